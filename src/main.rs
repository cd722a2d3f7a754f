fn main() {
    println!("swarmscope");
}
